import { Global, Module } from '@nestjs/common';
import { DrainService } from './drain.service';
import { ReadinessChecks } from './readiness-checks';

/** Global: the health module (readiness) and ops tooling read the drain state; feature modules add readiness checks. */
@Global()
@Module({
  providers: [DrainService, ReadinessChecks],
  exports: [DrainService, ReadinessChecks],
})
export class LifecycleModule {}
