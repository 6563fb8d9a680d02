import type { JuryConfig } from "../../../../lib/platform/config.js";
import { bedrockJuror } from "./bedrock.juror.js";
import type { JuryPolicy } from "./jury.convene.js";
import type { ModelJudge } from "./model.juror.js";
import { openAiJuror } from "./openai.juror.js";
import { rubricJuror } from "./rubric.juror.js";

/** The jurors a judge worker convenes, how it runs them, and how big a slice of a run is. */
export interface JuryPanel {
  jurors: ModelJudge[];
  policy: JuryPolicy;
  /** Jury questions in flight at once. */
  concurrency: number;
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
  return { jurors, policy: settings.policy, concurrency: settings.concurrency };
}
