import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Answers whether every migration this build knows is applied; remembers a yes, which cannot turn into a no. */
@Injectable()
export class MigrationStatus {
  private applied = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async allApplied(): Promise<boolean> {
    if (!this.applied) this.applied = !(await this.dataSource.showMigrations());
    return this.applied;
  }
}
