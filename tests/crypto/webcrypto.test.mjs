// The browser crypto modules with WebCrypto (Ed25519 included), as in a secure context (https,
// localhost, file://): node 20 has all of it.
import { identityCases } from './identity-cases.mjs';
import { roomCases } from './room-cases.mjs';
import { safetyCases } from './safety-cases.mjs';

identityCases('webcrypto');
roomCases('webcrypto');
safetyCases('webcrypto');
