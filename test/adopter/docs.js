// The install docs show the adopter app's own code: checks that the snippets
// an adopter copies are the code this test runs.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const APP = path.join(__dirname, 'app');

/** The code block of `doc` whose first line is `// <file>`, without that line. */
function snippet(doc, file) {
  const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
  const block = text
    .split(/^```\w*\n/m)
    .map(b => b.split(/^```$/m)[0])
    .find(b => b.startsWith(`// ${file}\n`));
  if (!block) throw new Error(`${doc} has no snippet for ${file}`);
  return block.slice(`// ${file}\n`.length).trim();
}

/** The adopter app's file without its leading comment lines. */
function code(file) {
  return fs
    .readFileSync(path.join(APP, file), 'utf8')
    .replace(/^(\/\/.*\n)+/, '')
    .trim();
}

function checkDocSnippets() {
  const pairs = [
    ['docs/install.md', 'packages/backend/src/index.ts'],
    ['docs/permissions.md', 'packages/backend/src/permissionPolicy.ts'],
  ];
  for (const [doc, file] of pairs) {
    if (snippet(doc, file) !== code(file)) {
      throw new Error(`${doc}'s ${file} differs from test/adopter/app/${file}`);
    }
  }
  return pairs.map(([doc, file]) => `${doc} ${path.basename(file)}`).join(', ');
}

module.exports = { checkDocSnippets };
