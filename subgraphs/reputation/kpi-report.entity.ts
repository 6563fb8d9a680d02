import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * One week of an agent's production KPIs as one reporter (the SOC running it, or its builder)
 * measured them. Reporters are not shown: the scorecard publishes weekly aggregates only.
 */
@Entity({ name: "kpi_reports" })
@Index("uq_kpi_agent_week_reporter", ["agentId", "week", "reporter"], { unique: true })
@Index("idx_kpi_agent_week", ["agentId", "weekStart"])
export class KpiReport {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  /** ISO week, e.g. `2026-W47`. */
  @Column({ type: "varchar", length: 8 })
  week: string;

  /** Monday 00:00 UTC of the week: orders weeks across year boundaries. */
  @Column({ name: "week_start", type: "datetime", precision: 3 })
  weekStart: Date;

  @Column({ type: "varchar", length: 128 })
  reporter: string;

  @Column({ name: "reporter_role", type: "varchar", length: 16 })
  reporterRole: string;

  @Column({ name: "alerts_handled", type: "int" })
  alertsHandled: number;

  @Column({ name: "time_to_containment_minutes", type: "double" })
  timeToContainmentMinutes: number;

  @Column({ name: "false_positive_load", type: "double" })
  falsePositiveLoad: number;

  @Column({ name: "severity_accuracy", type: "double" })
  severityAccuracy: number;

  @Column({ name: "escalation_quality", type: "double" })
  escalationQuality: number;

  /** Alerts where analysts reversed the agent's decision that week. */
  @Column({ name: "human_overrides", type: "int" })
  humanOverrides: number;

  @Column({ name: "submitted_at", type: "datetime", precision: 3 })
  submittedAt: Date;
}
