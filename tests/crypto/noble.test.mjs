// The browser crypto modules where crypto.subtle is missing, as on a page served over plain http from
// a LAN address: @noble's bundle (build/web/crypto/noble.js), loaded on demand, must do all the work.
import { identityCases } from './identity-cases.mjs';
import { roomCases } from './room-cases.mjs';
import { safetyCases } from './safety-cases.mjs';

const real = globalThis.crypto;
Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (array) => real.getRandomValues(array) }, configurable: true });

identityCases('noble');
roomCases('noble');
safetyCases('noble');
