// initProcessGroup where the addon cannot load: prints the error's name and message (exit 0).
import { initProcessGroup } from '@deepsc/distributed';

try {
  await initProcessGroup({
    rank: 0,
    worldSize: 1,
    rendezvous: { kind: 'tcp', host: '127.0.0.1', port: 1 },
    timeoutMs: 1000,
  });
  console.log(JSON.stringify({ error: null }));
} catch (err) {
  console.log(JSON.stringify({ name: err.name, message: err.message }));
}
