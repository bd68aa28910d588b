// Jest's default order, except that the contract coverage gate runs after every other file,
// so the records it reads are complete (with --runInBand, which `npm test` uses).
'use strict';
const Sequencer = require('@jest/test-sequencer').default;

const GATE = /[\\/]test[\\/]contract[\\/]coverage-gate\.test\.ts$/;

class GateLastSequencer extends Sequencer {
  async sort(tests) {
    const sorted = [...(await super.sort(tests))];
    return [...sorted.filter((t) => !GATE.test(t.path)), ...sorted.filter((t) => GATE.test(t.path))];
  }
}

module.exports = GateLastSequencer;
