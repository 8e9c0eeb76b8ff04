/**
 * What feature modules add to GET /health/ready without the health module importing them: a
 * module registers a check at start (e.g. the file module's storage space); the health module
 * runs every registered one next to its own. A check that is not `up` makes the node not ready;
 * one that only reports (`up` with details) shows its state in the body.
 */
import { Injectable } from '@nestjs/common';

export interface ReadinessReport {
  up: boolean;
  details: Record<string, unknown>;
}

export interface ReadinessCheck {
  /** The indicator's key in the readiness body (e.g. "file_storage"). */
  name: string;
  check(): ReadinessReport | Promise<ReadinessReport>;
}

@Injectable()
export class ReadinessChecks {
  private readonly checks: ReadinessCheck[] = [];

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  list(): readonly ReadinessCheck[] {
    return this.checks;
  }
}
