// Runs in its own Node process against Lambda bundles built like SST builds them: migrates,
// feeds the judge an SQS event and asks the pacts subgraph a question, printing one JSON line.
import { SignJWT } from "jose";

const [dir] = process.argv.slice(2);
const migrate = await import(`${dir}/migrate.mjs`);
const judge = await import(`${dir}/judge.mjs`);
const pacts = await import(`${dir}/pacts-subgraph.mjs`);

const migrated = await migrate.handler();
const judged = await judge.handler({
  Records: [
    {
      messageId: "m1",
      receiptHandle: "r",
      body: JSON.stringify({ kind: "evaluation-run", runId: "missing" }),
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:judge-jobs",
      awsRegion: "us-east-1",
    },
  ],
});
const assertion = await new SignJWT({ role: "anonymous" })
  .setProtectedHeader({ alg: "HS256" })
  .setIssuer("agent-trust-gateway")
  .setAudience("pacts")
  .setIssuedAt()
  .setExpirationTime("60s")
  .sign(new TextEncoder().encode(process.env.SUBGRAPH_SECRET));
const answered = await pacts.handler(
  {
    version: "2.0",
    routeKey: "$default",
    rawPath: "/",
    rawQueryString: "",
    isBase64Encoded: false,
    headers: { "content-type": "application/json", "x-agent-trust-identity": assertion },
    requestContext: { http: { method: "POST", path: "/" } },
    body: JSON.stringify({ query: '{ evaluationRun(id: "missing") { id } pact(id: "missing") { id clauses { statement } } }' }),
  },
  {},
  () => {},
);
console.log(JSON.stringify({ migrated, judged, pacts: { status: answered.statusCode, body: JSON.parse(answered.body) } }));
process.exit(0);
