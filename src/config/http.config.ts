import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { defineConfig } from './config.util';

class HttpEnv {
  @IsString()
  HTTP_HOST = '0.0.0.0';

  @Type(() => Number)
  @IsInt({ message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  @Min(0, { message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  @Max(65535, { message: 'must be an integer port number between 0 and 65535 (0 picks a free port)' })
  HTTP_PORT = 9480;
}

export const httpConfig = defineConfig('http', HttpEnv, (env) => ({ host: env.HTTP_HOST, port: env.HTTP_PORT }));
export type HttpConfig = ReturnType<typeof httpConfig.parse>;
