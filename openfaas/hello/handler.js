'use strict';

/**
 * The smallest node20-contract function: the benchmark baseline that every real bundle is
 * measured against (template + watchdog + Node with nothing of ours loaded).
 */
module.exports = async (event, context) =>
  context.status(200).headers({ 'content-type': 'application/json' }).succeed({ message: 'Hello from OpenFaaS', method: event.method, path: event.path });
