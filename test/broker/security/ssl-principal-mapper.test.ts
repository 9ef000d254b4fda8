// ssl.principal.mapping.rules: the rule parser (Kafka's RULE:pattern/replacement/[LU] and DEFAULT
// syntax, what is refused) and the mapping of RFC 2253 names, with the cases of Kafka's documented
// semantics: whole-DN matches only, group references, case folding, first rule that applies wins.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { MappingRuleError, SslPrincipalMapper, parseMappingRules } from '../../../src/broker/security/ssl-principal-mapper.ts'

describe('ssl.principal.mapping.rules parser', () => {
  it('reads DEFAULT, RULE with and without a case flag, whitespace and empty entries', () => {
    assert.deepEqual(parseMappingRules(null).map((r) => r.kind), ['default'])
    assert.deepEqual(parseMappingRules('DEFAULT').map((r) => r.kind), ['default'])
    const rules = parseMappingRules('  RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/ , RULE:^CN=(.*?),OU=(.*?)$/$1@$2/L,, RULE:^cn=(.*)$/$1/U ,DEFAULT ')
    assert.deepEqual(rules.map((r) => (r.kind === 'rule' ? [r.source, r.replacement, r.caseFold] : 'DEFAULT')), [
      ['^CN=(.*?),OU=ServiceUsers.*$', '$1', ''],
      ['^CN=(.*?),OU=(.*?)$', '$1@$2', 'L'],
      ['^cn=(.*)$', '$1', 'U'],
      'DEFAULT',
    ])
  })

  it('keeps escaped slashes inside the pattern and the replacement', () => {
    const [rule] = parseMappingRules('RULE:^CN=([^,]*)\\/x,(.*)$/$1\\/$2/')
    assert.ok(rule.kind === 'rule')
    assert.equal(rule.source, '^CN=([^,]*)\\/x,(.*)$')
    assert.equal(rule.replacement, '$1\\/$2')
    assert.equal(new SslPrincipalMapper('RULE:^CN=([^,]*)\\/x,(.*)$/$1\\/$2/').name('CN=a/x,O=b'), 'a/O=b')
  })

  it('refuses what Kafka refuses', () => {
    for (const bad of ['DEFAULTS', 'RULE:^CN=(.*)$/$1', 'RULE:^CN=(.*)$', 'RULE:^CN=(.*)$/$1/LU', 'RULE:^CN=(.*)$/$1/L DEFAULT', 'rule:^CN=(.*)$/$1/', 'RULE:^CN=((.*)$/$1/', 'KERBEROS']) {
      assert.throws(() => parseMappingRules(bad), MappingRuleError, bad)
    }
  })
})

describe('ssl.principal.mapping.rules mapping', () => {
  const dn = 'CN=Duke,OU=JavaSoft,O=Sun Microsystems,C=US'

  it('DEFAULT is the DN itself', () => {
    assert.equal(new SslPrincipalMapper('DEFAULT').name(dn), dn)
  })

  it('takes groups, lower- or upper-cases, and lets the first rule that applies win', () => {
    const mapper = new SslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),C=(.*?)$/$1@$2/L,DEFAULT')
    assert.equal(mapper.name('CN=kafka-server,OU=ServiceUsers,O=org,C=US'), 'kafka-server')
    assert.equal(mapper.name(dn), 'duke@javasoft')
    assert.equal(mapper.name('CN=x,O=y'), 'CN=x,O=y')
    assert.equal(new SslPrincipalMapper('RULE:^CN=(.*?),OU=(.*?),.*$/$1@$2/U').name(dn), 'DUKE@JAVASOFT')
    assert.equal(new SslPrincipalMapper('RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L').name(dn), 'duke')
  })

  it('applies a rule only when the pattern matches the whole DN', () => {
    const mapper = new SslPrincipalMapper('RULE:CN=(.*?),OU=JavaSoft/$1/')
    assert.equal(mapper.name(dn), undefined)
    assert.equal(mapper.name('CN=Duke,OU=JavaSoft'), 'Duke')
  })

  it('leaves a reference to a group the pattern does not have as literal text, and takes digits while they name a group', () => {
    assert.equal(new SslPrincipalMapper('RULE:^CN=(.*?),OU=(.*?),.*$/$1-$3/').name(dn), 'Duke-$3')
    assert.equal(new SslPrincipalMapper('RULE:^CN=(.*?),OU=(.*?),.*$/$12/').name(dn), 'Duke2')
    assert.equal(new SslPrincipalMapper('RULE:^CN=(.*?),.*$/\\$1/').name(dn), '$1')
    assert.equal(new SslPrincipalMapper('RULE:^CN=(.*?),.*$/x$0/').name('CN=a,O=b'), 'xCN=a,O=b')
  })

  it('gives no name when no rule applies (the client is refused)', () => {
    assert.equal(new SslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/').name(dn), undefined)
  })
})
