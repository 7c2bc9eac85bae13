/** The answer of routes that send mail: the same whether or not an account has the email. */
export class AcceptedResponseDto {
  /** What happens next, in words a user can be shown. */
  message: string;
}
