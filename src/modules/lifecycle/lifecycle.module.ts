import { Global, Module } from '@nestjs/common';
import { DrainService } from './drain.service';

/** Global: the health module (readiness) and ops tooling read the drain state. */
@Global()
@Module({
  providers: [DrainService],
  exports: [DrainService],
})
export class LifecycleModule {}
