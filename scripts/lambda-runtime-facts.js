// Prints the Lambda runtimes of the Python family that an installed aws-cdk-lib names, as JSON
// (see gen-region-facts.sh).
//
//   node scripts/lambda-runtime-facts.js PATH/TO/node_modules/aws-cdk-lib
//
// Every value comes from the package itself: the static members of aws-lambda's Runtime class.
'use strict';
const path = require('path');

const pkgDir = path.resolve(process.argv[2] || '');
const pkg = require(path.join(pkgDir, 'package.json'));
if (pkg.name !== 'aws-cdk-lib') {
  throw new Error(`${pkgDir} is not the aws-cdk-lib package`);
}
const lambda = require(path.join(pkgDir, 'aws-lambda'));
const { Runtime, RuntimeFamily } = lambda;
const python = Object.getOwnPropertyNames(Runtime)
  .filter((member) => Runtime[member] instanceof Runtime)
  .filter((member) => Runtime[member].family === RuntimeFamily.PYTHON)
  .map((member) => ({ member, name: Runtime[member].name }));
const table = {
  source: { package: 'aws-cdk-lib', version: pkg.version },
  generatedBy: 'scripts/gen-region-facts.sh',
  pythonRuntimes: python,
};
process.stdout.write(JSON.stringify(table, null, 2) + '\n');
