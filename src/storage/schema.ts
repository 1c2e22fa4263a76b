import type { AnalyticsTables } from '../analytics/store/tables.js';
import type { CatalogTables } from '../catalog/store/tables.js';
import type { ChannelTables } from '../channels/store/tables.js';
import type { CouponTables } from '../coupons/store/tables.js';
import type { ExperimentTables } from '../experiments/store/tables.js';
import type { IdentityTables } from '../identity/store/tables.js';
import type { ImportTables } from '../imports/store/tables.js';
import type { JourneyTables } from '../journeys/store/tables.js';
import type { LogTables } from '../log/store/tables.js';
import type { PredictiveTables } from '../predictive/store/tables.js';
import type { PrivacyTables } from '../privacy/store/tables.js';
import type { ProcessorTables } from '../processor/store/tables.js';
import type { ProfileTables } from '../profiles/store/tables.js';
import type { RecommendationTables } from '../recommendations/store/tables.js';
import type { SchedulerTables } from '../scheduler/store/tables.js';
import type { SegmentTables } from '../segments/store/tables.js';
import type { TemplateTables } from '../templates/store/tables.js';
import type { UserTables } from '../users/store/tables.js';
import type { WorkspaceTables } from '../workspaces/store/tables.js';
import type { StorageTables } from './shared-tables.js';

/*
 * Row types of the state store, each in the store/tables.ts of the module that owns the table.
 * They never leave the store/ folders: repositories turn them into domain objects. Times are
 * integer milliseconds since the epoch; JSON columns are text so the two dialects store
 * identical bytes. A new module adds its `<Module>Tables` to the list below.
 */

/** Every table of the store: the union of the modules' tables (each module owns its own). */
export interface Schema
  extends
    AnalyticsTables,
    CatalogTables,
    ChannelTables,
    CouponTables,
    ExperimentTables,
    IdentityTables,
    ImportTables,
    JourneyTables,
    LogTables,
    PredictiveTables,
    PrivacyTables,
    ProcessorTables,
    ProfileTables,
    RecommendationTables,
    SchedulerTables,
    SegmentTables,
    StorageTables,
    TemplateTables,
    UserTables,
    WorkspaceTables {}
