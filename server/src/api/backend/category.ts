import type { BackendCategory } from 'fusio-sdk';
import type { CategoryInput, CategoryRow } from '../../categories/repository.js';
import { nameField } from '../../schema/fragments.js';
import { entityOperations } from '../crud.js';
import type { SystemOperation } from '../system-operation.js';

const categoryBody = {
  type: 'object',
  properties: { name: nameField('category', { max: 64, empty: 'Category name must not be empty' }) },
};

const view = (row: CategoryRow): BackendCategory => ({ id: row.id, name: row.name });

/** Fusio's categories (fusio-sdk BackendCategoryTag): groups of operations, scopes and the rest. */
export const categoryOperations: SystemOperation[] = entityOperations<
  CategoryRow,
  CategoryInput & { name: string },
  CategoryInput
>({
  entity: 'category',
  label: 'Category',
  store: (platform) => platform.categories,
  body: categoryBody,
  required: ['name'],
  summary: view,
  detail: view,
  descriptions: {
    getAll: 'Every category: the five built in (default, backend, consumer, system, authorization) and your own',
    delete: 'Deletes a category of your own that holds nothing (409 naming what it still holds)',
  },
});
