// Validates an OpenAPI document with @apidevtools/swagger-parser, and
// prints what it says of security: the schemes, and each operation's
// requirements. Prints one JSON object; exits with 1 if it is invalid.
//
// Usage: node validate-openapi.mjs <URL of the document>

import SwaggerParser from '@apidevtools/swagger-parser';

const url = process.argv[2];
const document = await (await fetch(url)).json();
const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let problem = null;
try {
  await SwaggerParser.validate(structuredClone(document));
} catch (error) {
  problem = error.message;
}
const security = {};
for (const [path, item] of Object.entries(document.paths ?? {})) {
  for (const method of methods.filter((method) => item[method])) {
    security[`${method.toUpperCase()} ${path}`] = item[method].security ?? null;
  }
}
console.log(JSON.stringify({
  valid: problem === null,
  problem,
  openapi: document.openapi,
  schemes: document.components?.securitySchemes ?? {},
  security,
}));
process.exitCode = problem === null ? 0 : 1;
