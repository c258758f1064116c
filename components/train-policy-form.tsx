import { JobForm } from "@/components/job-form";
import type { JobFormSpec } from "@/lib/ui/job-forms";
import { PRESET_OPTIONS, TRAIN_HINTS, TRAIN_INITIAL, trainConfigFields } from "@/lib/ui/job-hints";
import { jobPickers, type PickerSources } from "@/lib/ui/job-pickers";

/** The train-policy form: presets with run times (quick first), settings as inputs, JSON under "advanced". */
export function TrainPolicyForm({
  spec,
  sources,
  label,
  initial = {},
}: {
  spec: JobFormSpec;
  sources: PickerSources;
  label: string;
  initial?: Record<string, unknown>;
}) {
  return (
    <JobForm
      spec={spec}
      label={label}
      submitLabel="Start training"
      pickers={{ ...jobPickers(spec, sources), preset: PRESET_OPTIONS }}
      hints={TRAIN_HINTS}
      initial={{ ...TRAIN_INITIAL, ...initial }}
      configFields={trainConfigFields()}
    />
  );
}
