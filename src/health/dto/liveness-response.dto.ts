export class LivenessResponseDto {
  /** Always `ok` while the process serves requests. */
  status: 'ok';
}
