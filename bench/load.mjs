// Load generator, run in its own process: POSTs distinct detractor/promoter responses with
// autocannon and prints its result as one JSON line.
import autocannon from 'autocannon';

const [url, connections, duration, tag] = process.argv.slice(2);
let n = 0;
const comments = ['Too slow to export', 'Love it', '', 'Support took three days to answer'];
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(duration),
  requests: [
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => {
        n += 1;
        const body = {
          response_id: `${tag}-${process.pid}-${n}`,
          score: n % 11,
          comment: comments[n % comments.length],
          email: `person${n % 5000}@example.com`,
          name: `Person ${n}`,
        };
        return { ...req, body: JSON.stringify(body) };
      },
    },
  ],
});
console.log(
  JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status2xx: result['2xx'],
  }),
);
