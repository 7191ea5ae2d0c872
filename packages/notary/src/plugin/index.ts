export * from './protocol.js';
export * from './client.js';
export * from './signer.js';
export * from './test-plugin-install.js';
