import { add } from './cases/add.js';
import { broadcastBinarySuite } from './support/broadcast-binary-suite.js';

broadcastBinarySuite(add);
