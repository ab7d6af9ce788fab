module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // Property tests assert through fast-check, which throws on a counterexample.
    'jest/expect-expect': ['warn', { assertFunctionNames: ['expect', 'fc.assert'] }],
  },
});
