// Removes what `npm install` and the build leave behind: build/ and node_modules/.
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
for (const name of ['build', 'node_modules']) {
  rmSync(join(root, name), { recursive: true, force: true });
}
