// mongosh script of the mongo-init service: initiates the rs0 replica set once, then waits
// until it has a primary. Safe to run again: an initiated set is left as it is.
const members = ['mongo-1:27017', 'mongo-2:27017', 'mongo-3:27017'].map((host, i) => ({ _id: i, host }));

try {
  rs.status();
  print('rs0 is already initiated');
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  rs.initiate({ _id: 'rs0', members });
  print('rs0 initiated');
}

for (let waited = 0; waited < 120; waited += 1) {
  try {
    if (rs.status().members.some((member) => member.stateStr === 'PRIMARY')) {
      print('rs0 has a primary');
      quit(0);
    }
  } catch (error) {
    print(`waiting for rs0: ${error.message}`);
  }
  sleep(1000);
}
throw new Error('rs0 has no primary after 120 s');
