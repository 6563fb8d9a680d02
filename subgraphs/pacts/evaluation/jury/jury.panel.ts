import type { JuryConfig } from "../../../../lib/platform/config.js";
import { bedrockJuror } from "./bedrock.juror.js";
import type { JuryPolicy } from "./jury.convene.js";
import type { CalibrationPolicy } from "./juror-calibration.math.js";
import type { ModelJudge } from "./model.juror.js";
import { openAiJuror } from "./openai.juror.js";
import { rubricJuror } from "./rubric.juror.js";

/** The jurors a judge worker convenes, how it runs them, and how big a slice of a run is. */
export interface JuryPanel {
  jurors: ModelJudge[];
  policy: JuryPolicy;
  /** Jury questions in flight at once. */
  concurrency: number;
  /** How human reviews weigh jurors and when a juror's vote sends its case to humans; absent, votes weigh alike. */
  calibration?: CalibrationPolicy;
  /** Each builder's budget for model calls per calendar month; absent or a null cap, no cap. */
  budget?: JuryBudgetSettings;
}

/** The budget's configuration (JURY_BUDGET_USD_PER_BUILDER, JURY_MAX_CALL_USD, JURY_WHEN_CAPPED). */
export interface JuryBudgetSettings {
  /** Dollars per builder per calendar month (UTC); null for no cap. */
  capUsd: number | null;
  /** The most one call of a juror that names no maximum of its own can cost. */
  maxCallUsd: number;
  /** Over budget, a case goes to humans (`review`: UNCERTAIN), or its slice fails and is judged again later (`wait`). */
  whenCapped: "review" | "wait";
}

/** The panel the configuration describes. */
export function juryPanel(settings: JuryConfig): JuryPanel {
  const jurors = settings.members.map((member): ModelJudge => {
    if (member.provider === "rubric") return rubricJuror(member.variant);
    if (member.provider === "openai")
      return openAiJuror({
        baseUrl: settings.openai.baseUrl,
        apiKey: settings.openai.apiKey,
        model: member.model,
        prices: settings.openai.prices,
      });
    return bedrockJuror({ modelId: member.model, region: settings.bedrock.region, prices: settings.bedrock.prices });
  });
  return { jurors, policy: settings.policy, concurrency: settings.concurrency, budget: settings.budget, calibration: settings.calibration };
}
