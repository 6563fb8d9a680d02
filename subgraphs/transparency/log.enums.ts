import { registerEnumType } from "type-graphql";
import { LogEntryKind } from "../../lib/contracts/transparency-log.js";

// The contract's vocabulary as the transparency subgraph exposes it.
registerEnumType(LogEntryKind, {
  name: "LogEntryKind",
  description: "What kind of act a transparency log entry records (docs/transparency.md: each kind's payload).",
  valuesConfig: {
    TRUST_CHANGE: { description: "An agent's scores changed: before and after, with their cause." },
    ELIGIBILITY: { description: "An agent's listing decision changed: eligibility, tier, consequence, reasons and policy version." },
    RUN_VERDICT: { description: "A judged evaluation run's verdict." },
    HUMAN_REVIEW: { description: "An arbiter's review of an uncertain case." },
    DISPUTE_TRANSITION: { description: "A dispute moved to a new state." },
    APPEAL_DECISION: { description: "An appeal was granted or denied." },
    PACT_ACTIVATED: { description: "A pact version became active." },
    PACT_RETIRED: { description: "A pact version was retired." },
    API_KEY_ISSUED: { description: "A partner's API key was issued." },
    API_KEY_REVOKED: { description: "A partner's API key was revoked." },
    CONSEQUENCE_STEP: { description: "A consequence ladder step was taken against an agent." },
    CONSEQUENCE_LIFTED: { description: "A standing consequence step was lifted." },
  },
});

export { LogEntryKind };
