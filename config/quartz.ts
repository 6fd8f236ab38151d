/**
 * Quartz cron expressions, as the Databricks Jobs API takes them (`quartz_cron_expression`):
 * six or seven fields, seconds first. A check of each field's syntax and range, so that a
 * schedule that passes here is one the API accepts (hour 25 is refused here, not at deploy).
 */

interface FieldSpec {
    name: string;
    min: number;
    max: number;
    /** Names the field accepts for its numbers (months, days of the week). */
    names?: string[];
    /** The special characters the field allows beyond `* , - /`. */
    special: ("?" | "L" | "W" | "#")[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: FieldSpec[] = [
    { name: "seconds", min: 0, max: 59, special: [] },
    { name: "minutes", min: 0, max: 59, special: [] },
    { name: "hours", min: 0, max: 23, special: [] },
    { name: "day-of-month", min: 1, max: 31, special: ["?", "L", "W"] },
    { name: "month", min: 1, max: 12, names: MONTHS, special: [] },
    { name: "day-of-week", min: 1, max: 7, names: DAYS, special: ["?", "L", "#"] },
    { name: "year", min: 1970, max: 2099, special: [] },
];

/** What is wrong with a Quartz cron expression, or `undefined` when nothing is. */
export function quartzCronProblem(expression: string): string | undefined {
    const fields = expression.trim().split(/\s+/);
    if (fields.length < 6 || fields.length > 7) {
        return `expected a Quartz cron expression with 6 or 7 fields (seconds first), such as '0 0 * * * ?', found ${fields.length} field${fields.length === 1 ? "" : "s"}`;
    }
    for (let i = 0; i < fields.length; i++) {
        const problem = fieldProblem(fields[i], FIELDS[i]);
        if (problem) return `expected a valid ${FIELDS[i].name} field (${problem}), found '${fields[i]}'`;
    }
    const [dom, dow] = [fields[3], fields[5]];
    if ((dom === "?") === (dow === "?")) {
        return "expected '?' in exactly one of the day-of-month and day-of-week fields, such as '0 0 6 * * ?'";
    }
    return undefined;
}

function fieldProblem(field: string, spec: FieldSpec): string | undefined {
    if (field === "?") return spec.special.includes("?") ? undefined : "'?' only stands in day-of-month or day-of-week";
    for (const item of field.split(",")) {
        const problem = itemProblem(item.toUpperCase(), spec);
        if (problem) return problem;
    }
    return undefined;
}

function itemProblem(item: string, spec: FieldSpec): string | undefined {
    const range = `${spec.min}-${spec.max}${spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ""}`;
    const value = (token: string): number | undefined => {
        if (/^\d+$/.test(token)) return Number(token);
        const named = spec.names?.indexOf(token) ?? -1;
        return named >= 0 ? named + 1 : undefined;
    };
    const inRange = (token: string) => {
        const v = value(token);
        return v !== undefined && v >= spec.min && v <= spec.max;
    };

    // Day-of-month: L, L-3, LW, 15W. Day-of-week: L, 6L, 6#3.
    if (spec.special.includes("L") && /^L(-\d+)?$/.test(item) && spec.name === "day-of-month") {
        const offset = Number(item.slice(2) || 0);
        return offset <= 30 ? undefined : "an L offset of at most 30";
    }
    if (item === "L") return spec.special.includes("L") ? undefined : "'L' only stands in day-of-month or day-of-week";
    if (spec.special.includes("W") && (item === "LW" || /^\d+W$/.test(item))) {
        return item === "LW" || inRange(item.slice(0, -1)) ? undefined : `a day ${range} before 'W'`;
    }
    if (spec.name === "day-of-week" && /^\w+L$/.test(item)) {
        return inRange(item.slice(0, -1)) ? undefined : `a day ${range} before 'L'`;
    }
    if (spec.special.includes("#") && item.includes("#")) {
        const [day, nth] = item.split("#");
        if (!inRange(day)) return `a day ${range} before '#'`;
        return /^[1-5]$/.test(nth ?? "") ? undefined : "a week 1-5 after '#'";
    }

    const [base, step] = item.split("/");
    if (step !== undefined) {
        if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > spec.max) {
            return `an increment 1-${spec.max} after '/'`;
        }
        if (item.split("/").length > 2) return "one '/' at most";
    }
    if (base === "*") return undefined;
    const bounds = base.split("-");
    if (bounds.length > 2) return "one '-' at most";
    for (const bound of bounds) {
        if (!inRange(bound)) return `values ${range}`;
    }
    return undefined;
}
