// Writes seed corpora for the fuzz targets: tokens that the `verify_token`
// target's verifier accepts (signed with its fixture keys, valid for ten
// years) and DPoP proofs for the `dpop_proof` target's request. A fuzzer
// that starts from them reaches the checks after the signature, which
// random bytes never do. Uses `jose` from tests/oidc-provider (run its
// `npm ci` first):
//
//     node fuzz/seeds/make.mjs
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const jose = createRequire(path.join(root, 'tests/oidc-provider/package.json'))('jose');
const now = Math.floor(Date.now() / 1000);

function write(target, tokens) {
  const dir = path.join(here, target);
  fs.mkdirSync(dir, { recursive: true });
  tokens.forEach((token, index) => fs.writeFileSync(path.join(dir, `seed-${index}`), token));
}

async function publicJwk(pem, alg) {
  const jwk = await jose.exportJWK(await jose.importPKCS8(pem, alg, { extractable: true }));
  for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) delete jwk[member];
  return jwk;
}

async function accessTokens() {
  const base = {
    iss: 'https://issuer.fuzz/', aud: 'https://api.fuzz', sub: 'alice', iat: now, nbf: now,
    exp: now + 10 * 365 * 86400, jti: 'j1', scope: 'read write', role: 'admin', nested: { a: [1, 2, { b: 'c' }] },
  };
  const claimSets = [
    base,
    { ...base, aud: ['https://api.fuzz', 'other'], scp: ['read'] },
    { ...base, cnf: { jkt: 'abc' } },
    { ...base, cnf: { 'x5t#S256': 'abc' } },
    { iss: base.iss, aud: base.aud, exp: base.exp },
  ];
  const tokens = [];
  for (const [file, alg] of [['ed-a.pem', 'EdDSA'], ['rsa-a.pem', 'RS256']]) {
    const pem = fs.readFileSync(path.join(root, 'tests/support/keys', file), 'utf8');
    const key = await jose.importPKCS8(pem, alg);
    const kid = await jose.calculateJwkThumbprint(await publicJwk(pem, alg), 'sha256');
    for (const claims of claimSets) {
      for (const typ of ['at+jwt', 'JWT', undefined]) {
        const header = typ ? { alg, kid, typ } : { alg, kid };
        tokens.push(await new jose.SignJWT(claims).setProtectedHeader(header).sign(key));
      }
    }
  }
  return tokens;
}

async function proofs() {
  const ath = createHash('sha256').update('token').digest('base64url');
  const claims = { htm: 'GET', htu: 'https://api.fuzz/', iat: now, jti: 'proof-1', ath };
  const tokens = [];
  for (const alg of ['ES256', 'EdDSA', 'RS256', 'PS256']) {
    const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
    const jwk = await jose.exportJWK(publicKey);
    for (const extra of [{}, { nonce: 'n-1' }, { htu: 'https://api.fuzz/?q=1#f' }]) {
      const header = { typ: 'dpop+jwt', alg, jwk };
      tokens.push(await new jose.SignJWT({ ...claims, ...extra }).setProtectedHeader(header).sign(privateKey));
    }
  }
  return tokens;
}

write('verify_token', await accessTokens());
write('dpop_proof', await proofs());
