// An SMTP server on loopback that accepts and counts every message, in its own process so the
// benchmark's sender does not share its event loop. Prints its port; answers "count" on stdin.
import readline from 'node:readline';
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  closeTimeout: 50,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received += 1;
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.server.address().port}\n`));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'count') process.stdout.write(`${received}\n`);
  if (line.trim() === 'exit') server.close(() => process.exit(0));
});
