// Prints the region fact table of an installed aws-cdk-lib as JSON (see gen-region-facts.sh).
//
//   node scripts/region-facts.js PATH/TO/node_modules/aws-cdk-lib
//
// Every value comes from the package itself, asked through its own functions.
'use strict';
const path = require('path');

const pkgDir = path.resolve(process.argv[2] || '');
const pkg = require(path.join(pkgDir, 'package.json'));
if (pkg.name !== 'aws-cdk-lib') {
  throw new Error(`${pkgDir} is not the aws-cdk-lib package`);
}
const { RegionInfo, Fact, FactName } = require(path.join(pkgDir, 'region-info'));
const entities = require(path.join(pkgDir, 'region-info', 'lib', 'aws-entities.js'));
const ec2 = require(path.join(pkgDir, 'aws-ec2'));

// Partitions of regions the fact table does not list: the prefix rule of aws-entities. The
// rule's prefixes are read by watching which ones it tests, in its order, then each is asked.
const prefixes = [];
const probe = { startsWith: (p) => { prefixes.push(p); return false; } };
const fallback = entities.partitionInformation(probe);
const partitionsByRegionPrefix = prefixes.map((prefix) => {
  const info = entities.partitionInformation(`${prefix}probe-1`);
  return { prefix, partition: info.partition, domainSuffix: info.domainSuffix };
});

const regions = {};
for (const name of [...RegionInfo.regions.map((r) => r.name)].sort()) {
  const info = RegionInfo.get(name);
  regions[name] = {
    partition: info.partition,
    domainSuffix: info.domainSuffix,
    cdkMetadataResourceAvailable: Fact.find(name, FactName.CDK_METADATA_RESOURCE_AVAILABLE) === 'YES',
    vpcEndpointServiceNamePrefix: info.vpcEndpointServiceNamePrefix,
  };
  for (const [key, value] of Object.entries(regions[name])) {
    if (value === undefined) throw new Error(`aws-cdk-lib has no ${key} for ${name}`);
  }
}

// Interface endpoint service names: `<prefix>.<region>.<service><suffix>`; the prefix and
// suffix depend on the service and the region. Asked for every service aws-ec2 names.
const Service = ec2.InterfaceVpcEndpointAwsService;
const services = [...new Set(Object.getOwnPropertyNames(Service)
  .map((k) => Service[k])
  .filter((s) => s instanceof Service)
  .map((s) => s.shortName))].sort();
const sample = Service.STS;
const defaultPrefix = sample.getDefaultEndpointPrefix('sts', 'us-east-1');
const prefixByRegion = {};
const suffixByRegion = {};
for (const region of Object.keys(regions)) {
  for (const service of services) {
    const prefix = sample.getDefaultEndpointPrefix(service, region);
    if (prefix !== defaultPrefix) {
      ((prefixByRegion[region] ??= {})[prefix] ??= []).push(service);
    }
    const suffix = sample.getDefaultEndpointSuffix(service, region);
    if (suffix !== '') {
      ((suffixByRegion[region] ??= {})[suffix] ??= []).push(service);
    }
  }
}

const table = {
  source: { package: 'aws-cdk-lib', version: pkg.version },
  generatedBy: 'scripts/gen-region-facts.sh',
  regions,
  partitionsByRegionPrefix,
  defaultPartition: { partition: fallback.partition, domainSuffix: fallback.domainSuffix },
  interfaceEndpointServices: {
    defaultPrefix,
    servicesKnown: services.length,
    prefixByRegion,
    suffixByRegion,
  },
};
process.stdout.write(JSON.stringify(table, null, 2) + '\n');
