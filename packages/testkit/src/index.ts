export {};
export * from './peers.js';
