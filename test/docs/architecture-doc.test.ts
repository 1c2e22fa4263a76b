import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DIAGRAM_BEGIN, DIAGRAM_END, moduleDiagram, withGeneratedSection } from '../../src/app/diagram.js';
import { loadConfig } from '../../src/config/config.js';
import { listModules } from '../../src/rapport.js';
import { tempDir } from '../helpers/databases.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('docs/architecture.md', () => {
  const dataDir = tempDir();
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('shows the module graph createRapport builds (run `npm run docs:architecture` after changing a module)', async () => {
    const committed = fs.readFileSync(path.join(root, 'docs', 'architecture.md'), 'utf8');
    const modules = await listModules(loadConfig({ RAPPORT_DATA_DIR: dataDir, RAPPORT_LOG_LEVEL: 'silent' }));
    expect(committed).toBe(withGeneratedSection(committed, moduleDiagram(modules)));
    // Every domain folder with an index.ts is in the list the diagram is drawn from.
    const folders = fs.readdirSync(path.join(root, 'src')).filter((name) => fs.existsSync(path.join(root, 'src', name, 'index.ts')));
    expect(modules.map((module) => module.name).sort()).toEqual(folders.sort());
  });

  it('replaces only the text between the markers', () => {
    const document = `# Title\n\n${DIAGRAM_BEGIN}\nold\n${DIAGRAM_END}\nafter\n`;
    expect(withGeneratedSection(document, 'new')).toBe(`# Title\n\n${DIAGRAM_BEGIN}\nnew\n${DIAGRAM_END}\nafter\n`);
    expect(() => withGeneratedSection('# no markers', 'new')).toThrow('markers');
  });
});
