export interface BoundaryException {
  from: string;
  to: string;
  reason: string;
}

export interface PackageRestriction {
  packages: string[];
  places: string[];
  typeImports?: boolean;
  reason: string;
}

export declare const boundaries: Record<string, string[]>;
export declare const exceptions: BoundaryException[];
export declare const pureOutsidePureFolders: { concepts: string[]; pendingMove: string[] };
export declare const packageRestrictions: PackageRestriction[];

export interface BoundarySurface {
  from: string;
  files: string[];
  typeOnly?: boolean;
  reason: string;
}

export declare const surfaces: BoundarySurface[];
export declare const composers: string[];
