/**
 * The BTF type model (include/uapi/linux/btf.h), one object per type.
 * Type ids index `Btf.types`; id 0 is `void`. Names are strings here; the
 * encoder builds the string section.
 */

export const BTF_KIND = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export type BtfKindName = Exclude<keyof typeof BTF_KIND, 'UNKN'>;

/** BTF_INT_* encoding bits. */
export const BTF_INT_SIGNED = 1 << 0;
export const BTF_INT_CHAR = 1 << 1;
export const BTF_INT_BOOL = 1 << 2;

/** BTF_FUNC linkage. */
export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;
export const BTF_FUNC_EXTERN = 2;

/** BTF_VAR linkage. */
export const BTF_VAR_STATIC = 0;
export const BTF_VAR_GLOBAL_ALLOCATED = 1;
export const BTF_VAR_GLOBAL_EXTERN = 2;

export interface BtfInt {
  kind: 'INT';
  name: string;
  size: number;
  /** BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL */
  encoding: number;
  /** BTF_INT_OFFSET */
  offset: number;
  /** BTF_INT_BITS */
  bits: number;
}

export interface BtfPtr {
  kind: 'PTR';
  name: string;
  type: number;
}

export interface BtfArray {
  kind: 'ARRAY';
  name: string;
  /** Element type. */
  type: number;
  indexType: number;
  nelems: number;
}

export interface BtfMember {
  name: string;
  type: number;
  /** Offset of the member in bits from the start of the struct. */
  bitOffset: number;
  /** Bitfield width in bits (kflag structs); 0 when not a bitfield. */
  bitfieldSize: number;
}

export interface BtfComposite {
  kind: 'STRUCT' | 'UNION';
  name: string;
  size: number;
  /** kind_flag: members encode bitfield size in the offset's high byte. */
  kflag: boolean;
  members: BtfMember[];
}

export interface BtfEnumValue {
  name: string;
  value: number;
}

export interface BtfEnum {
  kind: 'ENUM';
  name: string;
  size: number;
  /** kind_flag: the values are signed. */
  signed: boolean;
  values: BtfEnumValue[];
}

export interface BtfEnum64Value {
  name: string;
  value: bigint;
}

export interface BtfEnum64 {
  kind: 'ENUM64';
  name: string;
  size: number;
  signed: boolean;
  values: BtfEnum64Value[];
}

export interface BtfFwd {
  kind: 'FWD';
  name: string;
  /** kind_flag: a forward declaration of a union rather than a struct. */
  union: boolean;
}

/** TYPEDEF and the modifiers, all of which point at one other type. */
export interface BtfRef {
  kind: 'TYPEDEF' | 'VOLATILE' | 'CONST' | 'RESTRICT' | 'TYPE_TAG';
  name: string;
  type: number;
  /** TYPE_TAG kind_flag: the tag is `__attribute__((...))` text rather than btf_type_tag. */
  attr?: boolean;
}

export interface BtfFunc {
  kind: 'FUNC';
  name: string;
  /** The FUNC_PROTO. */
  type: number;
  /** BTF_FUNC_STATIC | BTF_FUNC_GLOBAL | BTF_FUNC_EXTERN */
  linkage: number;
}

export interface BtfParam {
  name: string;
  type: number;
}

export interface BtfFuncProto {
  kind: 'FUNC_PROTO';
  name: string;
  returnType: number;
  /** A last param with type 0 and no name means `...`. */
  params: BtfParam[];
}

export interface BtfVar {
  kind: 'VAR';
  name: string;
  type: number;
  linkage: number;
}

export interface BtfVarSecinfo {
  /** The VAR (or FUNC for ksyms). */
  type: number;
  offset: number;
  size: number;
}

export interface BtfDatasec {
  kind: 'DATASEC';
  name: string;
  size: number;
  vars: BtfVarSecinfo[];
}

export interface BtfFloat {
  kind: 'FLOAT';
  name: string;
  size: number;
}

export interface BtfDeclTag {
  kind: 'DECL_TAG';
  name: string;
  type: number;
  /** -1 for the type itself, else the member/param index. */
  componentIdx: number;
  /** DECL_TAG kind_flag: the tag is `__attribute__((...))` text rather than btf_decl_tag. */
  attr?: boolean;
}

export type BtfType =
  | BtfInt
  | BtfPtr
  | BtfArray
  | BtfComposite
  | BtfEnum
  | BtfEnum64
  | BtfFwd
  | BtfRef
  | BtfFunc
  | BtfFuncProto
  | BtfVar
  | BtfDatasec
  | BtfFloat
  | BtfDeclTag;

/** The void type at id 0. */
export interface BtfVoid {
  kind: 'VOID';
  name: '';
}
