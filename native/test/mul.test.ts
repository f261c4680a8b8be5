import { mul } from './cases/mul.js';
import { broadcastBinarySuite } from './support/broadcast-binary-suite.js';

broadcastBinarySuite(mul);
