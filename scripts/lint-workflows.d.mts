/** Types of scripts/lint-workflows.mjs (for the tests). */
export interface Finding {
  file: string;
  line: number;
  column: number;
  message: string;
  /** actionlint's rule (`syntax-check`, `expression`, `runner-label`, `action`, …) or `internal`. */
  kind: string;
}

export const ROOT: string;
export function workflowFiles(root?: string): string[];
export function lintWorkflow(text: string, file: string): Promise<Finding[]>;
export function lintWorkflowFiles(files: string[], root?: string): Promise<Finding[]>;
export function formatFinding(finding: Finding): string;
