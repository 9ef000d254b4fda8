// Sent to brokers in ApiVersions (KIP-511) so operators can see which client connected.
export const CLIENT_VERSION = '0.1.0'
