import { defineConfig } from 'vitest/config';
import { parallelFiles } from '../../vitest.shared.js';

export default defineConfig(parallelFiles);
