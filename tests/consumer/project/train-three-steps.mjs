// @deepsc/core as a user runs it: a small 3D network (conv -> group norm -> relu -> conv),
// three Adam steps on one batch; prints the losses as JSON. Run from the consumer project.
import { GraphBuilder, ones, pytorchDefaultBias, pytorchDefaultWeight, Tensor, zeros } from '@deepsc/core';

const g = new GraphBuilder({ seed: 1 });
const x = g.input('scan', [2, 1, 8, 8, 8]);
const target = g.input('target', [2, 2, 8, 8, 8]);
const c1 = g.scoped('conv1');
const h = g.conv3d(
  x,
  c1.parameter('weight', [4, 1, 3, 3, 3], pytorchDefaultWeight()),
  c1.parameter('bias', [4], pytorchDefaultBias([4, 1, 3, 3, 3])),
  { padding: 1 },
);
const n = g.scoped('norm');
const a = g.relu(
  g.groupNorm(h, n.parameter('weight', [4], ones()), n.parameter('bias', [4], zeros()), { groups: 2 }),
);
const c2 = g.scoped('conv2');
const y = g.conv3d(
  a,
  c2.parameter('weight', [2, 4, 1, 1, 1], pytorchDefaultWeight()),
  c2.parameter('bias', [2], pytorchDefaultBias([2, 4, 1, 1, 1])),
);
const loss = g.mse(y, target);
g.output('loss', loss);
g.loss(loss);
const model = g.compile({ device: 'cpu', optimizer: { kind: 'adam', lr: 1e-2 } });

const scan = Tensor.from(
  Float32Array.from({ length: 2 * 8 * 8 * 8 }, (_, i) => Math.sin(i * 0.37)),
  [2, 1, 8, 8, 8],
);
const goal = Tensor.from(
  Float32Array.from({ length: 2 * 2 * 8 * 8 * 8 }, (_, i) => (i % 3) / 2),
  [2, 2, 8, 8, 8],
);
const losses = [];
for (let step = 0; step < 3; step++) {
  const { outputs } = await model.trainStep({ scan, target: goal });
  losses.push(outputs.loss.data[0]);
  outputs.loss.dispose();
}
model.dispose();
console.log(JSON.stringify({ losses }));
