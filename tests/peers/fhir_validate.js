// Validates FHIR R4 resources with the npm `fhir` package (an independent implementation of the
// R4 structure definitions). Reads NDJSON on stdin; prints one JSON line per resource:
// {"n": line number, "type": resourceType, "errors": [{location, message}]}. Errors only:
// warnings and informational messages (value sets it cannot expand) are left out.
const { Fhir } = require('fhir');
const fhir = new Fhir();
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  input.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const resource = JSON.parse(line);
    const result = fhir.validate(resource, { errorOnUnexpected: true });
    const errors = result.messages
      .filter((m) => m.severity === 'error')
      .map((m) => ({ location: m.location, message: m.message }));
    process.stdout.write(JSON.stringify({ n: i + 1, type: resource.resourceType, errors }) + '\n');
  });
});
