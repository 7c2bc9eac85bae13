// ts-jest AST transformer: the same @nestjs/swagger plugin and options as nest-cli.json.
const plugin = require('@nestjs/swagger/plugin');
const nestCli = require('../../nest-cli.json');

const options = nestCli.compilerOptions.plugins.find((p) => p.name === '@nestjs/swagger').options;

module.exports = {
  name: 'nestjs-swagger-transformer',
  // Part of ts-jest's cache key: a change here (2), a new plugin version or new options in nest-cli.json
  // recompile every file.
  version: `2:${require('@nestjs/swagger/package.json').version}:${JSON.stringify(options)}`,
  // The language service's current program: `compiler.program` is the one ts-jest started with, which holds
  // none of the files compiled since, so the plugin could not resolve a handler's return type (its response).
  factory: (compiler) => plugin.before(options, compiler._languageService?.getProgram() ?? compiler.program),
};
