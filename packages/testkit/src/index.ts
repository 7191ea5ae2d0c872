export {};
export * from './peers.js';
export * from './distribution.js';
