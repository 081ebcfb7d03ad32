// Hand-made tl run directories (tl.json, metrics.json, history.csv) for compare tests: no training.
import * as fs from 'fs';
import * as path from 'path';

/** A run directory with `epochs` rows of phase 1 and `fineTune` rows of phase 2. */
export function fakeRun(dir: string, name: string, dropout: number, epochs: number, fineTune: number): string {
  const d = path.join(dir, name);
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'tl.json'), JSON.stringify({ kind: 'transfer', base: 'models/source', config: { head: { dropout, hidden: [] }, lr: 0.001, out: d, seed: 1 } }));
  fs.writeFileSync(path.join(d, 'metrics.json'), JSON.stringify({ valAccuracy: 0.8 - dropout / 10, valLoss: 0.5, testAccuracy: 0.79, testLoss: 0.52 }));
  const rows = ['phase,epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds'];
  for (let i = 0; i < epochs + fineTune; i++) {
    const phase = i < epochs ? 1 : 2;
    rows.push(`${phase},${phase === 1 ? i + 1 : i - epochs + 1},${1 - i * 0.05},${0.5 + i * 0.03 - dropout / 10},${1 - i * 0.02},${0.5 + i * 0.01},0.001,0.1`);
  }
  fs.writeFileSync(path.join(d, 'history.csv'), rows.join('\n') + '\n');
  return d;
}
