import { SessionViewDto } from './session-view.dto';

export class SessionResponseDto extends SessionViewDto {
  /** True for the session making this request. */
  current: boolean;
}
