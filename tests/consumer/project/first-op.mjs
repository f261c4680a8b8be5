// The first call into the engine, uncaught: with no engine it must fail with the loader's error.
import { Tensor } from '@deepsc/core';

Tensor.zeros([1]).dispose();
console.log('the engine loaded');
