import { broadcastBinarySuite } from './support/broadcast-binary-suite.js';

broadcastBinarySuite('add', (x, y) => x + y, 31);
