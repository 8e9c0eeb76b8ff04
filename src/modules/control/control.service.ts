import { Injectable } from '@nestjs/common';

@Injectable()
export class ControlService {
  ping(): { server_time: number; server_time_ms: number } {
    const now = Date.now();
    return { server_time: Math.floor(now / 1000), server_time_ms: now };
  }
}
