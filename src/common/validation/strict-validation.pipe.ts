import { ArgumentMetadata, BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { untrustedTextProblems } from './untrusted-text';

const knownFields = new WeakMap<object, ReadonlySet<string>>();

/** The fields a DTO declares, or undefined for a type class-validator knows nothing about. */
function fieldsOf(metatype: object): ReadonlySet<string> | undefined {
  let fields = knownFields.get(metatype);
  if (!fields) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(metatype as () => unknown, '', true, false);
    fields = new Set(metadata.map((entry) => entry.propertyName));
    knownFields.set(metatype, fields);
  }
  return fields.size > 0 ? fields : undefined;
}

/**
 * The global pipe: every body, query and path parameter is refused with 400 when a string in it is not
 * well-formed Unicode or holds a control character, or when it has a field its DTO does not declare;
 * then class-validator checks it. The field check is ours because class-validator's whitelist looks
 * field names up in a plain object, so names such as `constructor` or `valueOf` pass as declared.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const problems = untrustedTextProblems(value, metadata.metatype, metadata.data ?? metadata.type);
      const fields = metadata.metatype ? fieldsOf(metadata.metatype) : undefined;
      if (fields && value !== null && typeof value === 'object') {
        for (const key of Object.keys(value)) if (!fields.has(key)) problems.push(`property ${key} should not exist`);
      }
      if (problems.length > 0) throw new BadRequestException(problems);
    }
    return super.transform(value, metadata);
  }
}
