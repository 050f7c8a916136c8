// Builds the example frontend: src/ -> build/ (or the folder after --out).
//
// Each source file is copied with its comments and indentation taken out
// (a light, line-based minify that needs no parser and no dependency), and
// build-manifest.json lists every file with its size and SHA-256.
//
// The output is deterministic: same src/ gives byte-identical files, because
// files are read in sorted order, line endings are normalised and nothing
// time- or machine-dependent is written. That keeps the CDK asset hash of
// build/ stable from one machine to the next.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MANIFEST = 'build-manifest.json';

class BuildError extends Error {}

function parseArgs(argv) {
  let out = join(root, 'build');
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--out' && i + 1 < argv.length) {
      out = resolve(argv[i + 1]);
      i += 1;
    } else {
      throw new BuildError(`unknown argument '${argv[i]}' (usage: node scripts/build.mjs [--out DIR])`);
    }
  }
  return { src: join(root, 'src'), out };
}

// Every file below dir, as paths relative to it with '/' separators, sorted.
function listFiles(dir) {
  const found = [];
  const walk = (current) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) {
        walk(path);
      } else {
        found.push(relative(dir, path).split(sep).join('/'));
      }
    }
  };
  walk(dir);
  return found.sort();
}

// Trim every line, drop the empty ones, end with one newline.
function trimLines(text) {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.join('\n') + '\n';
}

function minifyHtml(text, path) {
  if (/<(pre|textarea)\b/i.test(text)) {
    throw new BuildError(`${path}: <pre> and <textarea> keep their whitespace; the line-based minify would change them`);
  }
  return trimLines(text.replace(/<!--[\s\S]*?-->/g, ''));
}

function minifyCss(text) {
  const lines = trimLines(text.replace(/\/\*[\s\S]*?\*\//g, ''));
  // Whitespace next to braces, semicolons and commas carries no meaning
  // (outside quoted strings; ours hold none of these characters).
  return lines.replace(/\s*([{};,])\s*/g, '$1').replace(/\n/g, ' ').trim() + '\n';
}

function minifyJs(text, path) {
  // Without a parser, only whole-line edits are safe, and only when no string
  // spans lines: template literals and line continuations are refused.
  if (text.includes('`')) {
    throw new BuildError(`${path}: template literals are not supported by the line-based minify; use '...' + '...'`);
  }
  if (/\\\n/.test(text)) {
    throw new BuildError(`${path}: a line ends with a backslash (string continuation); split the string instead`);
  }
  const code = text.split('\n').filter((line) => !line.trim().startsWith('//')).join('\n');
  return trimLines(code);
}

function minifySvg(text) {
  return trimLines(text.replace(/<!--[\s\S]*?-->/g, ''));
}

const MINIFIERS = {
  '.html': minifyHtml,
  '.css': minifyCss,
  '.js': minifyJs,
  '.svg': minifySvg,
};

// The built bytes of one source file.
function buildFile(srcDir, path) {
  const bytes = readFileSync(join(srcDir, path));
  const extension = path.slice(path.lastIndexOf('.'));
  const minify = MINIFIERS[extension];
  if (!minify) {
    return bytes;
  }
  const text = bytes.toString('utf8').replace(/\r\n?/g, '\n');
  return Buffer.from(minify(text, `src/${path}`), 'utf8');
}

export function build({ src, out }) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const paths = listFiles(src);
  if (!paths.includes('index.html')) {
    throw new BuildError(`${src}: no index.html; the site needs one at its top level`);
  }
  if (paths.includes(MANIFEST) || paths.includes('env.js')) {
    throw new BuildError(`${src}: ${MANIFEST} and env.js are written by the build and the deployment, not kept in src/`);
  }
  rmSync(out, { recursive: true, force: true });
  const files = paths.map((path) => {
    const bytes = buildFile(src, path);
    const target = join(out, ...path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  const manifest = { name: pkg.name, version: pkg.version, files };
  writeFileSync(join(out, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const manifest = build(options);
    console.log(`built ${manifest.files.length} files into ${relative(process.cwd(), options.out) || '.'}`);
  } catch (error) {
    console.error(`frontend build failed: ${error.message}`);
    process.exit(1);
  }
}
