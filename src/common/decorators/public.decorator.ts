import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'switchboard:public';
/** Marks a handler callable without a bearer token (register, login, refresh, ping). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
