import { broadcastBinarySuite } from './support/broadcast-binary-suite.js';

broadcastBinarySuite('mul', (x, y) => x * y, 32);
